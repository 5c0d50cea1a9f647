// The backend authentication schemes; each module registers itself with the authentication factory.
import './basic-auth.js';
import './digest-auth.js';
import './oauth/oauth-authenticator.js';
