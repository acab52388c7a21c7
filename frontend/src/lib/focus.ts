/** Focus management for dialogs and navigation (WCAG 2.4.3 focus order, 2.1.2 no keyboard trap). */
import { useEffect, useState, type RefObject } from 'react';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), ' +
  'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function focusables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => !el.hidden);
}

/** Where Tab goes from `current` inside a dialog whose focusable elements are `items`: it wraps. */
export function nextInCycle(items: HTMLElement[], current: Element | null, back: boolean): HTMLElement | null {
  if (!items.length) return null;
  const at = current ? items.indexOf(current as HTMLElement) : -1;
  if (back) return at <= 0 ? items[items.length - 1] : null;
  return at === -1 || at === items.length - 1 ? items[0] : null;
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
      const target = nextInCycle(focusables(root), document.activeElement, e.shiftKey);
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
