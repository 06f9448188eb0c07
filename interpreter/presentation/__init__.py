"""What people and programs read: verdict tables, explanations, specifications and the cohort report."""
