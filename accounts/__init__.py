"""Accounts: login throttling, personal API tokens, websocket tickets, sockets that close on
logout."""
