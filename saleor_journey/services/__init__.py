"""Services: the engine's ORM side, called by the adapters and the tasks."""
