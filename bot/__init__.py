"""Taxpayer-rights explainer: cited answers about the IRS–ICE data-sharing agreement for ITIN filers."""

__version__ = "0.1.0"
