// Environment: renderer (DOM). A modal dialog on the platform's <dialog>: it keeps focus inside, closes on
// Escape, starts on the element marked data-autofocus (else the first one), and on closing gives focus back to where the user was (or to `fallbackFocus` when that is gone).
import { useEffect, useRef, type ReactNode } from 'react';

export function Dialog({
  open,
  labelledBy,
  onClose,
  returnFocusTo,
  children,
}: {
  open: boolean;
  labelledBy: string;
  onClose: () => void;
  /** Where focus goes when the dialog closes; default: the element focused when it opened. */
  returnFocusTo?: () => HTMLElement | null;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const returnTo = useRef(returnFocusTo);
  returnTo.current = returnFocusTo;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      // showModal() focuses the first focusable element; a dialog may name a safer one (Cancel).
      dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      const target = returnTo.current?.() ?? opener.current;
      // The opener may have left the page (an unpaired phone's card): then the caller's fallback.
      (target?.isConnected ? target : document.querySelector<HTMLElement>('main h1'))?.focus();
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={labelledBy}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {open && children}
    </dialog>
  );
}
