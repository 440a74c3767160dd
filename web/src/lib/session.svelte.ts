// Who is signed in, and their workspaces. Loaded once at start, refreshed after changes.
import { api, call, type User, type Workspace } from './api/client';

export const session = $state<{ loaded: boolean; user: User | null; workspaces: Workspace[] }>({
  loaded: false,
  user: null,
  workspaces: [],
});

export async function refreshSession(): Promise<void> {
  try {
    const me = await call(api.GET('/api/v1/account'));
    session.user = me.user;
    session.workspaces = me.workspaces;
  } catch {
    session.user = null;
    session.workspaces = [];
  }
  session.loaded = true;
}

export async function signOut(): Promise<void> {
  await api.POST('/api/v1/auth/logout').catch(() => undefined);
  session.user = null;
  session.workspaces = [];
}
