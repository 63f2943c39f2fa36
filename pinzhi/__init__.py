"""Pinzhi (品质): service quality management."""
