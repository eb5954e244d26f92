DROP TABLE IF EXISTS tranq_leader;
