import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '../api/client';
import type { ProviderTable } from '../api/types';
import { invalidate, pickerOptions } from './catalog';

const TABLE: ProviderTable = {
  providers: [
    { name: 'builtin', label: 'Builtin (offline)', credential: null, config_schema: {} },
    { name: 'anthropic', label: 'Anthropic', credential: 'ANTHROPIC_API_KEY', config_schema: {} },
    { name: 'fake', label: 'Fake', credential: 'FAKE_KEY', config_schema: {} },
  ],
  tiers: ['local', 'cloud', 'compressed'],
  credential_kinds: [
    { name: 'anthropic', label: 'Anthropic' },
    { name: 'fake', label: 'Fake' },
    { name: 'token', label: 'Token (MCP servers and other tools)' },
  ],
};

describe('selects fed by the provider table', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    invalidate();
  });
  it('offers every provider, the credential kinds (key-taking providers and tool tokens), and the tiers', async () => {
    const get = vi.spyOn(api, 'get').mockResolvedValue(TABLE);
    const values = async (kind: string) => (await pickerOptions(kind)).map((o) => o.value);
    expect(await values('provider')).toEqual(['builtin', 'anthropic', 'fake']);
    expect(await values('keyprovider')).toEqual(['anthropic', 'fake', 'token']);
    expect(await values('tier')).toEqual(['local', 'cloud', 'compressed']);
    expect(get).toHaveBeenCalledTimes(1);
    expect(get).toHaveBeenCalledWith('/api/models/providers/');
  });
});
