import { Type } from 'typebox';

/**
 * The re-authentication every e-signature carries (21 CFR 11.200(a)(1)), one definition for every
 * signing body: the user id at the first signing of a login session, the password every time, and the
 * MFA code where the signer is enrolled.
 */
export const signerCredentials = {
  user_id: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 320,
      description:
        "The signer's user id (email): required at the first signing of a login session, optional on later ones (21 CFR 11.200(a)(1)); it must name the signed-in user",
    }),
  ),
  password: Type.String({ minLength: 1, maxLength: 1024, description: 'Re-authentication on every signing' }),
  mfa_code: Type.Optional(
    Type.String({ pattern: '^[0-9 ]{6,8}$', description: 'Required when MFA is enrolled' }),
  ),
};
