"""The question bank: card files validated, rendered and synced into the database."""
