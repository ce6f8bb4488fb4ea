import { useLiveState, useSingleEffect } from '../hooks';
import { ChatClient, type ChatState, roomSource } from './client';

/**
 * The live connection to a room while the calling screen is shown: connects
 * when `enabled` (the person is a member), closes the socket on the way out.
 */
export function useChat(roomId: string, enabled: boolean): { client: ChatClient | null; state: ChatState | null } {
  const [client, setClient] = useLiveState<ChatClient | null>(null);
  const [state, setState] = useLiveState<ChatState | null>(null);

  useSingleEffect(() => {
    if (!enabled) return;
    const chat = new ChatClient(roomId, roomSource(roomId));
    const unsubscribe = chat.subscribe(() => setState(chat.state));
    setClient(chat);
    setState(chat.state);
    chat.start();
    return () => {
      unsubscribe();
      chat.stop();
      setClient(null);
      setState(null);
    };
  }, [roomId, enabled]);

  return { client, state };
}
