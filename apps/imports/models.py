"""CSV and API imports of debtors and debts."""
