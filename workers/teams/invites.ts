import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { identities } from '../db/schema';
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { randomSecret, sha256Hex, timingSafeEqual } from '../lib/crypto';
import { uniqueId } from '../lib/ids';
import {
  createUser, findUser, findUserByEmail, findUserByPhone, updateUserStatement, type Statement, type UserRow,
} from '../identity/users';
import {
  confirmStatement, findMembership, findMembershipOf, insertMembershipStatement, newMembershipRow, recountStatement,
  reinviteStatement, runBatch, type MemberView, type TeamRow,
} from '../identity/teams';

/**
 * Invitations, as Appwrite's createMembership / updateMembershipStatus do them. An invitee is
 * found by userId, email or phone — and created (without a password) when no user has that email
 * or phone. A user's invitation waits for acceptance with a secret; an API key's is confirmed at
 * once and carries no secret.
 */
export interface InviteInput {
  team: TeamRow;
  userId?: string;
  email?: string;
  phone?: string;
  name?: string;
  roles: string[];
  /** The caller is an API key: confirm at once, no mail. */
  byKey: boolean;
}

export interface InviteResult {
  view: MemberView;
  /** The invitation secret to mail, or null when nothing is to be accepted (API keys). */
  secret: string | null;
}

async function resolveInvitee(db: D1Database, input: InviteInput): Promise<UserRow | null> {
  const email = input.email?.toLowerCase() ?? '';
  const phone = input.phone ?? '';
  if (input.userId) {
    const user = await findUser(db, input.userId);
    if (!user) throw new ApiError('user_not_found', "User with given userId doesn't exist.");
    if (email && (user.email ?? '') !== email) throw new ApiError('user_already_exists', "Given userId and email doesn't match");
    if (phone && (user.phone ?? '') !== phone) throw new ApiError('user_already_exists', "Given userId and phone doesn't match");
    return user;
  }
  if (email) {
    const user = await findUserByEmail(db, email);
    if (user && phone && (user.phone ?? '') !== phone) throw new ApiError('user_already_exists', "Given email and phone doesn't match");
    return user;
  }
  return findUserByPhone(db, phone);
}

export async function invite(db: D1Database, input: InviteInput): Promise<InviteResult> {
  if (!input.userId && !input.email && !input.phone) {
    throw new ApiError('general_argument_invalid', 'At least one of userId, email, or phone is required');
  }
  const secret = input.byKey ? null : randomSecret(32);
  const secretHash = secret ? await sha256Hex(secret) : '';
  const teamId = input.team.id;
  const invitee = await resolveInvitee(db, input);
  // Ledge sends invitations by mail only; without an address a user's invitation could not arrive.
  if (!input.byKey && !(invitee ? invitee.email : input.email)) {
    throw new ApiError('general_phone_disabled', 'Phone provider not configured');
  }

  if (!invitee) {
    const email = input.email?.toLowerCase() || null;
    if (email) {
      const taken = await drizzle(db).select({ id: identities.id }).from(identities).where(eq(identities.providerEmail, email)).limit(1);
      if (taken[0]) throw new ApiError('user_email_already_exists');
    }
    const id = uniqueId();
    const membership = newMembershipRow({ teamId, userId: id, roles: input.roles, confirm: input.byKey, secretHash });
    const user = await createUser(
      db,
      { id, email, phone: input.phone || null, name: input.name || email || '' },
      [insertMembershipStatement(db, membership), recountStatement(db, teamId)],
    );
    return { view: { membership, user }, secret };
  }

  const existing = await findMembershipOf(db, teamId, invitee.id);
  if (existing?.confirm) throw new ApiError('membership_already_confirmed');
  if (existing) {
    // Appwrite renews the secret (and, for keys, confirms) but keeps the roles of the first invitation.
    await runBatch(db, [reinviteStatement(db, existing.id, secretHash, input.byKey), recountStatement(db, teamId)]);
  } else {
    const membership = newMembershipRow({ teamId, userId: invitee.id, roles: input.roles, confirm: input.byKey, secretHash });
    try {
      await runBatch(db, [insertMembershipStatement(db, membership), recountStatement(db, teamId)]);
    } catch (err) {
      // A concurrent invitation of the same user won the unique (team, user) index.
      if (uniqueViolationText(err)) throw new ApiError('membership_already_confirmed', 'The user has already been invited to this team.');
      throw err;
    }
    return { view: { membership, user: invitee }, secret };
  }
  const view = await findMembership(db, existing.id);
  if (!view) throw new ApiError('membership_not_found');
  return { view, secret };
}

/**
 * Checks an acceptance (Appwrite's order of checks) and returns the statements that confirm it:
 * the membership, the team's total and the invitee's verified email (the invitation proved they
 * read it). `signedInUserId` is the caller, if a user; they must be the invitee.
 */
export async function checkAcceptance(
  view: MemberView,
  input: { userId: string; secret: string; signedInUserId: string | null },
): Promise<UserRow> {
  const m = view.membership;
  const hash = await sha256Hex(input.secret);
  if (!m.secretHash || !timingSafeEqual(hash, m.secretHash)) throw new ApiError('team_invalid_secret');
  if (input.userId !== m.userId || !view.user) throw new ApiError('team_invite_mismatch');
  if (input.signedInUserId !== null && input.signedInUserId !== m.userId) {
    throw new ApiError('team_invite_mismatch');
  }
  if (m.confirm) throw new ApiError('membership_already_confirmed');
  return view.user;
}

export function acceptanceStatements(db: D1Database, view: MemberView): Statement[] {
  return [
    confirmStatement(db, view.membership.id),
    recountStatement(db, view.membership.teamId),
    updateUserStatement(db, view.membership.userId, { emailVerification: true }),
  ];
}
