// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Business roles a participant can hold on the ledger. A participant may hold several.
/// @dev Stored as a bitmask: role `r` is bit `1 << uint8(r)`. Append only: never reorder.
enum Role {
    CoreEnterprise,
    Supplier,
    Distributor,
    Bank,
    WarehouseOperator,
    PriceFeeder,
    Regulator,
    RiskPoolContributor,
    DataProvider
}

/// @notice Admission status as stored. Expiry of KYC is not stored: it is derived from `kycExpiry` and block time.
enum ParticipantStatus {
    None,
    Active,
    Suspended
}

/// @notice Effective standing of an address right now, as every ledger contract sees it.
enum Standing {
    NotRegistered,
    Active,
    Suspended,
    KycExpired,
    LedgerContract
}

library RoleMask {
    /// @notice The bitmask bit of one role.
    function bit(Role role) internal pure returns (uint16) {
        return uint16(1) << uint8(role);
    }

    /// @notice Whether `mask` contains `role`.
    function has(uint16 mask, Role role) internal pure returns (bool) {
        return mask & bit(role) != 0;
    }
}
