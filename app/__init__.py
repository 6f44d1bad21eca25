"""dlcards: deep-learning interview flashcards with spaced repetition and live demos."""
