public enum UplinkSystemPlaceholder {}
