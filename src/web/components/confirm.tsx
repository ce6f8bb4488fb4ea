import { useEffect, useRef, useState } from 'hono/jsx/dom';

interface Question {
  message: string;
  /** The confirming button's label, naming the action: "Deactivate", "Delete role". */
  action: string;
  resolve: (confirmed: boolean) => void;
}

/**
 * Asks before a destructive action, in a modal `<dialog>` (focus stays inside,
 * Escape cancels, Cancel has the focus first). Render `dialog` once; `ask`
 * resolves true only when the person confirms.
 *
 * @example
 * const confirm = useConfirm();
 * if (await confirm.ask('Deactivate Ada?', 'Deactivate')) await deactivate();
 * return <>{…}{confirm.dialog}</>;
 */
export function useConfirm() {
  const [question, setQuestion] = useState<Question | null>(null);
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    if (question && ref.current && !ref.current.open) ref.current.showModal();
  }, [question]);

  const ask = (message: string, action: string) =>
    new Promise<boolean>((resolve) => setQuestion({ message, action, resolve }));

  const answer = (confirmed: boolean) => {
    question?.resolve(confirmed);
    setQuestion(null);
  };

  const dialog = question && (
    <dialog ref={ref} class="dialog" onClose={() => answer(false)} data-testid="confirm-dialog">
      <p class="dialog-message">{question.message}</p>
      <div class="dialog-actions">
        <button type="button" class="button button-quiet" onClick={() => answer(false)}>
          Cancel
        </button>
        <button type="button" class="button button-danger" onClick={() => answer(true)} data-testid="confirm">
          {question.action}
        </button>
      </div>
    </dialog>
  );

  return { ask, dialog };
}
