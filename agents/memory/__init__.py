"""Shared memory, Django-free: blackboard merges, chunking, embeddings, vector search,
agent message channels. The database-backed store lives elsewhere and uses these."""
