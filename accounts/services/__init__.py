"""Write use cases of the accounts app, by sub-domain: users, two_factor, api_keys, sessions."""
