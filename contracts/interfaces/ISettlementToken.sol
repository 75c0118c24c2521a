// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Why a settlement-token movement is refused. `None` means allowed.
enum TransferRestriction {
    None,
    SenderNotRegistered,
    SenderSuspended,
    SenderKycExpired,
    RecipientNotRegistered,
    RecipientSuspended,
    RecipientKycExpired,
    InsufficientBalance,
    SpenderNotRegistered,
    SpenderSuspended,
    SpenderKycExpired
}

/// @title Settlement token
/// @notice A bank deposit token with two decimals: one unit is one cent (fen) of the settlement currency.
/// Banks mint it against off-chain deposits and burn it against withdrawals. It moves only between active
/// participants and ledger contracts, in the same transaction as the claims it pays for. Whoever moves it (the
/// holder, or a spender under an ERC-20 approval) must be an active participant or a ledger contract as well.
interface ISettlementToken {
    /// @notice The movement breaks the compliance rules; `reason` says which.
    error SettlementTransferRestricted(address from, address to, uint256 amount, TransferRestriction reason);
    /// @notice Mint or burn of zero units.
    error SettlementAmountZero();

    /// @notice Emitted when a bank mints tokens against an off-chain deposit.
    /// @param bank The minting bank.
    /// @param to The depositor credited.
    /// @param amount Units minted.
    /// @param ref The bank's reference of the off-chain deposit.
    event DepositMinted(address indexed bank, address indexed to, uint256 amount, bytes32 ref);
    /// @notice Emitted when a bank burns tokens against an off-chain withdrawal.
    event WithdrawalBurned(address indexed bank, address indexed from, uint256 amount, bytes32 ref);

    /// @notice Mints `amount` to `to` against a deposit received off chain.
    /// Requirements: caller is an active Bank; `to` is an active participant; `amount` > 0.
    function mint(address to, uint256 amount, bytes32 ref) external;

    /// @notice Burns `amount` held by `from` against a withdrawal paid out off chain.
    /// Requirements: caller is an active Bank; `from` is the caller or has approved the caller for `amount`.
    function burn(address from, uint256 amount, bytes32 ref) external;

    /// @notice Whether `amount` may move from `from` to `to` now, and if not, why.
    function canTransfer(address from, address to, uint256 amount)
        external
        view
        returns (bool allowed, TransferRestriction reason);

    /// @notice Whether `spender` may move `amount` from `from` to `to` now under an approval (`transferFrom`), and
    /// if not, why. The spender must be active or a ledger contract, like `from` and `to`; the allowance itself is
    /// not checked here.
    function canTransferFrom(address spender, address from, address to, uint256 amount)
        external
        view
        returns (bool allowed, TransferRestriction reason);
}
