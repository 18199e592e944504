"""mmdet-attn."""
