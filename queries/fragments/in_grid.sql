-- fragments/in_grid: the place filter at the grid level (003 #64), written once. A condition, not a
-- select: true for every row when no grid is chosen ($grid_code null), else only for rows of that
-- grid; a row with no grid code is then not counted. Read as `and` this fragment on rows
-- with a column grid_code, or with the rename (grid_code = c.grid_code).
($grid_code is null or grid_code = $grid_code)
