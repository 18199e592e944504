"""Attention-augmented backbones, one file each."""
