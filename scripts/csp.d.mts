export declare const CSP_DIRECTIVES: string[];
export declare const CSP_HEADER: string;
export declare const CSP_META: string;
