import type { MailMessage } from './types';

/**
 * The texts of Ledge's account mails, after Appwrite's English templates. Each carries what the
 * user needs to act: the link (with userId and secret) or the one-time code.
 */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

function compose(to: string, kind: string, subject: string, lines: string[], link?: string): MailMessage {
  const text = lines.join('\n\n') + (link ? `\n\n${link}` : '') + '\n';
  const paragraphs = lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n');
  const anchor = link ? `\n<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>` : '';
  return { to, kind, subject, text, html: `<!doctype html>\n<html><body>\n${paragraphs}${anchor}\n</body></html>` };
}

const hello = (name: string) => (name ? `Hello ${name},` : 'Hello,');

export function verificationMail(p: { to: string; name: string; project: string; url: string }): MailMessage {
  return compose(p.to, 'verification', `Account Verification for ${p.project}`, [
    hello(p.name),
    `Follow this link to verify your email address to your ${p.project} account.`,
    "If you didn't ask to verify this address, you can ignore this message.",
  ], p.url);
}

export function recoveryMail(p: { to: string; name: string; project: string; url: string }): MailMessage {
  return compose(p.to, 'recovery', `Password Reset for ${p.project}`, [
    hello(p.name),
    `Follow this link to reset your ${p.project} password.`,
    "If you didn't ask to reset your password, you can ignore this message.",
  ], p.url);
}

export function magicUrlMail(p: { to: string; name: string; project: string; url: string; phrase: string }): MailMessage {
  const lines = [hello(p.name), `Follow this link to sign in to ${p.project}. The link is valid for one hour.`];
  if (p.phrase) lines.push(`Security phrase: ${p.phrase}. Check that it matches the phrase shown where you asked to sign in.`);
  lines.push("If you didn't ask to sign in, you can ignore this message.");
  return compose(p.to, 'magic-url', `${p.project} Login`, lines, p.url);
}

export function otpMail(p: { to: string; name: string; project: string; code: string; phrase: string }): MailMessage {
  const lines = [hello(p.name), `Your one-time code for ${p.project}: ${p.code}`, 'The code is valid for 15 minutes.'];
  if (p.phrase) lines.push(`Security phrase: ${p.phrase}. Check that it matches the phrase shown where you asked to sign in.`);
  lines.push("If you didn't ask to sign in, you can ignore this message.");
  return compose(p.to, 'otp', `OTP for ${p.project} Login`, lines);
}

/** Team invitation (Teams helper): the link carries membershipId, userId, secret, teamId, teamName. */
export function invitationMail(p: { to: string; name: string; owner: string; team: string; project: string; url: string }): MailMessage {
  const inviter = p.owner || 'A team owner';
  return compose(p.to, 'invitation', `Invitation to ${p.team} Team at ${p.project}`, [
    hello(p.name),
    `This mail was sent to you because ${inviter} invited you to become a member of the ${p.team} team at ${p.project}.`,
    `Follow this link to accept the invitation to ${p.team}.`,
    'If you are not interested, you can ignore this message.',
  ], p.url);
}

/** MFA email challenge (workers/account/mfa): the six-digit code that completes the sign-in. */
export function mfaChallengeMail(p: { to: string; name: string; project: string; code: string; minutes: number }): MailMessage {
  return compose(p.to, 'mfa-challenge', `Verification Code for ${p.project}`, [
    hello(p.name),
    `Enter the following code to confirm your two-step verification in ${p.project}. This code will expire in ${p.minutes} minutes.`,
    p.code,
    "If you didn't request the verification code, you can safely ignore this email.",
  ]);
}
