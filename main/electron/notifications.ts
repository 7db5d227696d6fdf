// Environment: Electron main. Desktop notifications for what the companion must tell its user even with no window
// open: an incoming call (Answer / Decline where the OS shows buttons), a phone asking to pair, a sign-in request, a
// phone that was reset, a refused click-to-call. On Windows they carry the app's AppUserModelID (set in app.ts).
import { Notification, type NotificationConstructorOptions } from 'electron';
import type { CompanionNotice } from '../core/companion-notices.js';
import type { Translate } from './shell-i18n.js';

/** Where a notification's click takes the user. */
export type NoticePage = 'phones' | 'pair' | 'sign-in' | 'calls';

export interface NoticeActions {
  open(page: NoticePage): void;
  answer(phoneId: string): void;
  decline(phoneId: string): void;
}

export interface Notifier {
  notice(notice: CompanionNotice): void;
  /** Something the user asked for (a dial, a tray action) did not happen: `reason` says why. */
  failed(title: 'dialRefused' | 'actionFailed', reason: string): void;
}

/** Notification text from elsewhere (a phone, the core): no control or direction characters, bounded length. */
export function plainText(text: string, max = 200): string {
  const clean = text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1)}…`;
}

/** Windows (since Electron 33) and macOS show notification buttons; Linux notification daemons vary. */
const BUTTONS_PLATFORMS: readonly string[] = ['win32', 'darwin'];

export function createNotifier(
  t: Translate,
  actions: NoticeActions,
  platform: NodeJS.Platform = process.platform,
): Notifier {
  // Electron drops a notification's events once nothing references it: keep each until it is closed.
  const live = new Map<string, Notification>();

  const show = (
    key: string,
    options: NotificationConstructorOptions,
    page: NoticePage,
  ): Notification | null => {
    if (!Notification.isSupported()) return null;
    live.get(key)?.close();
    const notification = new Notification({ ...options, title: plainText(options.title ?? '', 64) });
    notification.on('click', () => actions.open(page));
    notification.on('close', () => {
      if (live.get(key) === notification) live.delete(key);
    });
    live.set(key, notification);
    notification.show();
    return notification;
  };

  return {
    notice(notice) {
      switch (notice.kind) {
        case 'incoming-call': {
          const key = `call:${notice.phoneId}:${notice.callId}`;
          const buttons = BUTTONS_PLATFORMS.includes(platform);
          const number = plainText(notice.number, 64) || t('notify.unknownNumber');
          const notification = show(
            key,
            {
              title: t('notify.incomingCallTitle'),
              body: t('notify.incomingCallBody', { number, phone: plainText(notice.phoneName, 64) }),
              urgency: 'critical',
              timeoutType: 'never',
              ...(buttons && {
                actions: [
                  { type: 'button', text: t('notify.answer') },
                  { type: 'button', text: t('notify.decline') },
                ],
              }),
            },
            'calls',
          );
          notification?.on('action', (details) => {
            if (details.actionIndex === 0) actions.answer(notice.phoneId);
            if (details.actionIndex === 1) actions.decline(notice.phoneId);
          });
          return;
        }
        case 'call-settled':
          live.get(`call:${notice.phoneId}:${notice.callId}`)?.close();
          return;
        case 'pair-request':
          show(
            'pair-request',
            {
              title: t('notify.pairRequestTitle'),
              body: t('notify.pairRequestBody', { phones: plainText(notice.phoneNames.join(', ')) }),
            },
            'pair',
          );
          return;
        case 'sign-in-request':
          show(
            `sign-in:${notice.phoneId}`,
            {
              title: t('notify.signInTitle'),
              body: t('notify.signInBody', { phone: plainText(notice.phoneName, 64) }),
            },
            'sign-in',
          );
          return;
        case 'pair-again':
          show(
            `pair-again:${notice.phoneId}`,
            {
              title: t('notify.pairAgainTitle'),
              body: t('notify.pairAgainBody', { phone: plainText(notice.phoneName, 64) }),
            },
            'phones',
          );
          return;
      }
    },
    failed(title, reason) {
      show(title, { title: t(`notify.${title}Title`), body: plainText(reason, 250) }, 'phones');
    },
  };
}
