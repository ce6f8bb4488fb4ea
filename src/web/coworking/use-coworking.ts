import type { ChatState } from '../chat/client';
import { useLiveState, useSingleEffect } from '../hooks';
import { SessionClient, type SessionLive } from './session-client';

/**
 * The live connection to a coworking session while the calling screen is
 * shown: connects when `enabled` (the person is in it and it has not ended),
 * closes the socket on the way out.
 */
export function useCoworking(
  sessionId: string,
  enabled: boolean,
): { client: SessionClient | null; chat: ChatState | null; live: SessionLive | null } {
  const [client, setClient] = useLiveState<SessionClient | null>(null);
  const [chat, setChat] = useLiveState<ChatState | null>(null);
  const [live, setLive] = useLiveState<SessionLive | null>(null);

  useSingleEffect(() => {
    if (!enabled) return;
    const session = new SessionClient(sessionId);
    const offChat = session.chat.subscribe(() => setChat(session.chat.state));
    const offLive = session.subscribe(() => setLive(session.live));
    setClient(session);
    setChat(session.chat.state);
    setLive(session.live);
    session.start();
    return () => {
      offChat();
      offLive();
      session.stop();
      setClient(null);
      setChat(null);
      setLive(null);
    };
  }, [sessionId, enabled]);

  return { client, chat, live };
}
