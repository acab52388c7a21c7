/** The MCP server's connection details, as a client (Claude, Cursor, VS Code, …) needs them. */

export const TOKEN_PLACEHOLDER = '<your API token>';

export function mcpUrl(origin: string): string {
  return `${origin.replace(/\/$/, '')}/mcp/`;
}

export function mcpAuthHeader(token: string = TOKEN_PLACEHOLDER): string {
  return `Bearer ${token}`;
}

/** The `mcpServers` entry most MCP clients read (Streamable HTTP with a bearer header). */
export function mcpClientConfig(origin: string, token: string = TOKEN_PLACEHOLDER): string {
  const server = { type: 'http', url: mcpUrl(origin), headers: { Authorization: mcpAuthHeader(token) } };
  return JSON.stringify({ mcpServers: { axweb: server } }, null, 2);
}
