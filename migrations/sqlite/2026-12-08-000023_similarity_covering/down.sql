DROP INDEX case_bands_key;
CREATE INDEX case_bands_key ON case_bands (key, day);
