"""The MCP server: the owner's workflows marked "expose as a tool" as tools at /mcp/."""
