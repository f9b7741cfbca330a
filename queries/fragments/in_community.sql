-- fragments/in_community: the place filter at the village/community level (003 #64), written once.
-- A condition, not a select: true for every row when no community is chosen ($community_code
-- null), else only for rows of that community; a row with no community code is then not counted.
-- Read as `and` this fragment on rows with a column community_code, or
-- with the rename (community_code = c.community_code) for an alias's column.
($community_code is null or community_code = $community_code)
