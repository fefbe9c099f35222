namespace MosaicFleet.Engine.Observation;

/// <summary>A session as list-sessions reports it.</summary>
public sealed record TmuxSessionInfo(string Name, int Attached);

/// <summary>A client as list-clients reports it.</summary>
public sealed record TmuxClientInfo(string Name, string Session, string PaneId, bool ReadOnly);
