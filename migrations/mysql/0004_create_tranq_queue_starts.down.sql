DROP TABLE IF EXISTS tranq_queue_starts
