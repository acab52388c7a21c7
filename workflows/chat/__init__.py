"""Talking to a flow: chat sessions and their messages, each user turn a normal durable run
(docs/chat.md). The OpenAI-compatible endpoint (`openai.py`) is a thin adapter beside them."""
