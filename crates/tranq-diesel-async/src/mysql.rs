//! MariaDB 10.6+ through diesel-async's `AsyncMysqlConnection` (mysql_async: no C library).
//! MariaDB has no `LISTEN`: workers over this store poll.

use diesel_async::AsyncMysqlConnection;

use crate::StoreConnection;

impl StoreConnection for AsyncMysqlConnection {}
