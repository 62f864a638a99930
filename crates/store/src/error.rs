#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("{0}")]
    NotFound(String),
    /// A uniqueness or version clash: the caller maps it to 409.
    #[error("{0}")]
    Conflict(String),
    /// A rule of the domain refuses the change (illegal review transition, own item review).
    #[error("{0}")]
    Rule(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
}

impl<E: std::error::Error> From<sea_orm::TransactionError<E>> for StoreError
where
    StoreError: From<E>,
{
    fn from(e: sea_orm::TransactionError<E>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => StoreError::Db(db),
            sea_orm::TransactionError::Transaction(e) => StoreError::from(e),
        }
    }
}
