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
    /// @notice `bank` asked to mint `requested` units but its mint allowance has only `available` left.
    error SettlementMintAllowanceExceeded(address bank, uint256 requested, uint256 available);
    /// @notice Only an operator of the participant registry may do this.
    error SettlementCallerNotOperator(address caller);

    /// @notice Emitted when a bank mints tokens against an off-chain deposit.
    /// @param bank The minting bank.
    /// @param to The depositor credited.
    /// @param amount Units minted.
    /// @param ref The bank's reference of the off-chain deposit.
    event DepositMinted(address indexed bank, address indexed to, uint256 amount, bytes32 ref);
    /// @notice Emitted when a bank burns tokens against an off-chain withdrawal.
    event WithdrawalBurned(address indexed bank, address indexed from, uint256 amount, bytes32 ref);
    /// @notice Emitted when the operator sets how much more a bank may mint.
    /// @param bank The bank whose allowance changed.
    /// @param oldAllowance Units it could still mint before.
    /// @param newAllowance Units it may mint from now on.
    event MintAllowanceSet(address indexed bank, uint256 oldAllowance, uint256 newAllowance);

    /// @notice Mints `amount` to `to` against a deposit received off chain, and takes it off the caller's mint
    /// allowance.
    /// Requirements: caller is an active Bank; `amount` > 0 and at most the caller's mint allowance; `to` is an
    /// active participant or a ledger contract.
    function mint(address to, uint256 amount, bytes32 ref) external;

    /// @notice Sets how many more units `bank` may mint (an absolute value, not an increment). Burning does not
    /// restore an allowance: it is a budget of new issuance that only the operator renews.
    /// Requirements: caller is an operator of the participant registry.
    function setMintAllowance(address bank, uint256 amount) external;

    /// @notice How many more units `bank` may mint.
    function mintAllowance(address bank) external view returns (uint256);

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
