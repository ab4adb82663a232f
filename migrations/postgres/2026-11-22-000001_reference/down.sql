DROP TABLE categories;
DROP TABLE units;
DROP TABLE regions;
