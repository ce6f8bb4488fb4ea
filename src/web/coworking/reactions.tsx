import confetti from 'canvas-confetti';
import { useEffect, useRef } from 'hono/jsx/dom';
import { type FloatingReaction, REACTIONS } from './session-client';

/** The row of reactions anyone in the session can send; each floats up on everyone's screen. */
export function ReactionsBar({ onReact, disabled }: { onReact: (emoji: string) => void; disabled: boolean }) {
  return (
    <fieldset class="reactions-bar" data-testid="reactions-bar">
      <legend class="visually-hidden">Send a reaction</legend>
      {REACTIONS.map((emoji) => (
        <button
          type="button"
          class="reaction-button"
          onClick={() => onReact(emoji)}
          disabled={disabled}
          aria-label={`React ${emoji}`}
          data-testid="reaction-button"
          data-emoji={emoji}
        >
          {emoji}
        </button>
      ))}
    </fieldset>
  );
}

/**
 * Reactions rising over the timer, each for a couple of seconds. Decorative for
 * sight; a screen reader hears who reacted through the polite live region.
 * With reduced motion the CSS fades them in place instead.
 */
export function FloatingReactions({ reactions }: { reactions: FloatingReaction[] }) {
  const last = reactions.at(-1);
  return (
    <>
      <div class="reactions-float" aria-hidden="true" data-testid="reactions-float">
        {reactions.map((reaction) => (
          <span
            key={reaction.id}
            class="reaction-float"
            style={{ left: `${reaction.left}%` }}
            data-testid="reaction-float"
            data-emoji={reaction.emoji}
            data-user-id={reaction.userId}
          >
            {reaction.emoji}
          </span>
        ))}
      </div>
      <p class="visually-hidden" aria-live="polite">
        {last ? `${last.name} reacted ${last.emoji}` : ''}
      </p>
    </>
  );
}

const reducedMotion = () => window.matchMedia('(prefers-reduced-motion: reduce)').matches;

/**
 * Confetti over the whole screen, one burst each time `bursts` grows (the end
 * of the session, the host's celebrations). canvas-confetti is bundled with
 * the app; it draws on this canvas, which the clicks go through. With reduced
 * motion nothing moves: the canvas still marks the moment, and the phase text
 * says the session ended.
 */
export function Confetti({ bursts }: { bursts: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const fire = useRef<confetti.CreateTypes | null>(null);
  const fired = useRef(0);

  useEffect(() => {
    const element = canvas.current;
    if (!element || bursts <= fired.current) return;
    fired.current = bursts;
    if (reducedMotion()) return;
    fire.current ??= confetti.create(element, { resize: true, disableForReducedMotion: true });
    const shoot = fire.current;
    void shoot({ particleCount: 90, spread: 70, origin: { x: 0.25, y: 0.7 }, angle: 60 });
    void shoot({ particleCount: 90, spread: 70, origin: { x: 0.75, y: 0.7 }, angle: 120 });
  }, [bursts]);

  useEffect(() => () => fire.current?.reset(), []);

  if (bursts === 0) return null;
  return <canvas ref={canvas} class="confetti-canvas" data-testid="confetti" data-bursts={bursts} />;
}
