"""Study groups: accounts, sign-in sessions and login rate limits (DLCARDS_MULTI_USER=true)."""
