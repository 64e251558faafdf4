"""Judge fleet operations: drain a worker, decide the fleet's size from the queue, run judges as Docker containers."""
