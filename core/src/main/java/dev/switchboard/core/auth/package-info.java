/** Who may connect: JWT (HS256 secret, RS256/ES256 JWKS) and the explicit, insecure dev mode. */
package dev.switchboard.core.auth;
