// Workbench helpers for messages: notifications (toasts and the center) and modal dialogs.
import type { Locator, Page } from 'playwright-core';
import { DEFAULT_TIMEOUT_MS, exact, list } from './workbenchText';

// ---------- notifications ----------

export interface NotificationInfo { message: string; source: string; buttons: string[] }

function notificationItems(page: Page): Locator {
  return page.locator('.notifications-toasts .notification-list-item, .notifications-center .notification-list-item');
}

export async function readNotifications(page: Page): Promise<NotificationInfo[]> {
  return notificationItems(page).evaluateAll((els) => els.map((e) => ({
    message: (e.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
    source: (e.querySelector('.notification-list-item-source')?.textContent ?? '').trim(),
    buttons: Array.from(e.querySelectorAll('.notification-list-item-buttons-container .monaco-button')).map((b) => (b.textContent ?? '').trim()),
  })));
}

/**
 * Waits for a notification whose message contains the text (or matches the RegExp) and, when `button` is given,
 * shows that button (buttons render a moment after the message).
 */
export async function waitForNotification(page: Page, textOrRegex: string | RegExp, timeoutMs = DEFAULT_TIMEOUT_MS, opts: { button?: string } = {}): Promise<NotificationInfo> {
  const matches = (m: string): boolean => typeof textOrRegex === 'string' ? m.includes(textOrRegex) : textOrRegex.test(m);
  const deadline = Date.now() + timeoutMs;
  let seen: NotificationInfo[] = [];
  while (true) {
    seen = await readNotifications(page);
    const hit = seen.find((n) => matches(n.message) && (opts.button === undefined || n.buttons.includes(opts.button)));
    if (hit) return hit;
    if (Date.now() > deadline) break;
    await page.waitForTimeout(150);
  }
  const shown = seen.map((n) => `${n.message}${n.buttons.length ? ` [${n.buttons.join(' | ')}]` : ''}`);
  throw new Error(`no notification ${String(textOrRegex)}${opts.button ? ` with a button "${opts.button}"` : ''} within ${timeoutMs} ms; notifications shown: ${list(shown)}`);
}

/** Clicks a button of the notification whose message matches. */
export async function clickNotificationButton(page: Page, textOrRegex: string | RegExp, button: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const info = await waitForNotification(page, textOrRegex, timeoutMs, { button });
  const item = notificationItems(page).filter({ has: page.locator('.notification-list-item-message', { hasText: info.message }) }).first();
  await item.locator('.notification-list-item-buttons-container .monaco-button', { hasText: exact(button) }).first().click();
}


// ---------- modal dialogs ----------

export interface DialogInfo { message: string; detail: string; buttons: string[] }

function dialogBox(page: Page): Locator {
  return page.locator('.monaco-dialog-box').first();
}

/** The open modal dialog (e.g. a modal showWarningMessage): its message, detail and buttons. */
export async function readDialog(page: Page, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<DialogInfo> {
  const box = dialogBox(page);
  try {
    await box.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const notes = await readNotifications(page).catch(() => []);
    throw new Error(`no modal dialog within ${timeoutMs} ms; notifications shown instead: ${list(notes.map((n) => n.message))}`);
  }
  // Without a detail, VS Code renders the message in the detail element.
  return box.evaluate((e) => {
    const text = (e.querySelector('.dialog-message-text')?.textContent ?? '').trim();
    const detail = (e.querySelector('.dialog-message-detail')?.textContent ?? '').trim();
    return {
      message: text || detail,
      detail: text ? detail : '',
      buttons: Array.from(e.querySelectorAll('.dialog-buttons .monaco-button')).map((b) => (b.textContent ?? '').trim()),
    };
  });
}

/** Clicks a button of the open modal dialog. */
export async function answerDialog(page: Page, button: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  const info = await readDialog(page, timeoutMs);
  if (!info.buttons.includes(button)) throw new Error(`the dialog "${info.message}" has no button "${button}"; it has ${list(info.buttons)}`);
  await dialogBox(page).locator('.dialog-buttons .monaco-button', { hasText: exact(button) }).first().click();
  await dialogBox(page).waitFor({ state: 'hidden', timeout: timeoutMs });
}
