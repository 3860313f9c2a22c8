//! Row types per table: `X` (read), `NewX` (insert), `XChanges` (update).
