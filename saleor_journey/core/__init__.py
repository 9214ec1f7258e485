"""The journey engine's pure parts: stages, events and rules, with no ORM and no Saleor."""
