"""The observatory: figures of the MSP network by territory (nation, region, department), for the public
bodies that steer it (the Cnam, the ARS) and, aggregated, for anyone (measures 2, 4 and 5 of the plan).

Same map as the other domains: `selectors.py` computes the figures in SQL; `graphql/` exposes them.
It reads the network, mentoring and the accelerator; none of them reads it.
"""
