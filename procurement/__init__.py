"""Procurement: demand forecasts, the joint-purchase and distribution optimizers, orders."""
