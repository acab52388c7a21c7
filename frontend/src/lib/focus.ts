/** Focus management for dialogs and navigation (WCAG 2.4.3 focus order, 2.1.2 no keyboard trap). */
import { useEffect, useState, type RefObject } from 'react';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), ' +
  'textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

/** The controls Tab can reach inside `root` (rendered ones: not those in a closed <details>). */
export function focusables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (el) => !el.hidden && el.getClientRects().length > 0,
  );
}

/**
 * Where Tab goes from `current` in a dialog whose controls are `items`: from the last to the first
 * (Shift+Tab: first to last), and back in from outside; null leaves the move to the browser.
 */
export function nextInCycle(
  items: HTMLElement[],
  current: Element | null,
  back: boolean,
  inside = current !== null && items.includes(current as HTMLElement),
): HTMLElement | null {
  if (!items.length) return null;
  if (!inside) return back ? items[items.length - 1] : items[0];
  const at = items.indexOf(current as HTMLElement);
  if (at === -1) return null; // inside but not a listed control (the dialog itself): the browser knows
  if (back) return at === 0 ? items[items.length - 1] : null;
  return at === items.length - 1 ? items[0] : null;
}

/**
 * A modal dialog takes focus when it opens (its autofocus field, else its first control), keeps
 * Tab and Shift+Tab inside it, and gives focus back to what had it when it closes.
 */
export function useFocusTrap(ref: RefObject<HTMLElement | null>) {
  // Read on the first render, before an autoFocus field inside the dialog takes focus.
  const [before] = useState(() => document.activeElement as HTMLElement | null);
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    if (!root.contains(document.activeElement)) (focusables(root)[0] ?? root).focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Tab') return;
      const current = document.activeElement;
      const target = nextInCycle(focusables(root), current, e.shiftKey, root.contains(current));
      if (target) {
        e.preventDefault();
        target.focus();
      }
    };
    root.addEventListener('keydown', onKey);
    return () => {
      root.removeEventListener('keydown', onKey);
      if (before && document.contains(before)) before.focus();
    };
  }, [ref, before]);
}
