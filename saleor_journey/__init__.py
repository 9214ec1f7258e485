"""Customer-journey stages and messages for Saleor shops."""
