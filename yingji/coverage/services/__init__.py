"""Business rules of coverage: demand cells, coverage reports, siting, construction targets, networks.

Split by subject: `cells` (demand generation), `report` (coverage of a station
set, computed inline), `siting` (recommended new sites, run as a task),
`targets` (the "1+3+1" rule), `networks` (importing and recording road
networks), `risk` (the risk-point list).
"""
