/** What mail code exchanges: the message, a mailer, and the transport that delivers outside. */

/** One message Ledge sends: account verification, recovery, magic URL, OTP, invitations. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** What the mail is for (`verification`, `recovery`, `magic-url`, `otp`, …), kept in the outbox. */
  kind: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Delivers a message somewhere outside; throws with a short reason when the provider refuses it. */
export type Transport = (message: MailMessage, from: string) => Promise<void>;
