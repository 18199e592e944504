"""Attention mechanisms, one file each, registered in MMDetection MODELS."""
