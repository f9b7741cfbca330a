"""A seeded, deterministic synthetic outbreak in Chongqing, written into a Sitrep database.

Modelled on the summer-2022 clusters the notices name: 7·13 江北, 7·18 南岸–万盛 and
7·21 江津. `sitrep.scenario.build.build_database` runs the generators in order.
"""
